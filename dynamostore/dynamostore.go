// Package dynamostore is a webhook.Store in an Amazon DynamoDB table, for
// the instances of a Lambda function (or several servers) to share: each
// delivery of a Twilio call runs the App once, whichever instance it
// reaches.
//
//	store, err := dynamostore.Load(ctx, "twilioguard-deliveries")
//	...
//	g := &webhook.Guard{Validator: v, App: app, Store: store}
//
// The table has a string partition key named "id", and Time to Live enabled
// on the attribute "expires" (epoch seconds), so that DynamoDB deletes the
// deliveries past the window
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
// TTL deletes lazily, within days, so the store checks "expires" itself and
// an item past it counts as absent.
//
// Claim is one conditional PutItem: it succeeds only if no item exists, the
// item's window is over, or its claim was abandoned (no reply within the
// lease). A failed condition returns the existing item in the same call.
// Save is one UpdateItem that adds the reply. Each item holds the delivery
// key (a MessageSid and status, or a hash), the reply TwiML and two times:
// no token, signature or phone number.
//
// The function needs dynamodb:PutItem, dynamodb:GetItem and
// dynamodb:UpdateItem on the table.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/twilioguard/twilioguard/webhook"
)

// DefaultTimeout bounds one DynamoDB call, its retries included.
const DefaultTimeout = 3 * time.Second

// Attribute names of an item.
const (
	attrID      = "id"      // the delivery key, the partition key
	attrExpires = "expires" // end of the window, epoch seconds: the TTL attribute
	attrLease   = "lease"   // end of the claim's lease, epoch milliseconds
	attrReply   = "reply"   // the reply TwiML, once saved
)

// API is the part of the DynamoDB client a Store uses.
type API interface {
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// A Store is a webhook.Store in one DynamoDB table. Set its fields before
// first use; it is then safe for concurrent use.
type Store struct {
	Client API
	Table  string
	// Window is how long a delivery is remembered; 0 means
	// webhook.DefaultWindow.
	Window time.Duration
	// Lease is how long a claim without a reply holds; 0 means
	// webhook.DefaultLease.
	Lease time.Duration
	// Timeout bounds each DynamoDB call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

var _ webhook.Store = (*Store)(nil)

// ErrNoTable is returned by New and Load for an empty table name.
var ErrNoTable = errors.New("dynamostore: no table name")

// New returns a Store in table through client.
func New(client API, table string) (*Store, error) {
	if table == "" {
		return nil, ErrNoTable
	}
	return &Store{Client: client, Table: table}, nil
}

// Load returns a Store in table with the AWS SDK configured from the
// environment (AWS_REGION, the Lambda runtime's credentials,
// AWS_ENDPOINT_URL_DYNAMODB, ...). It makes no network call.
func Load(ctx context.Context, table string) (*Store, error) {
	if table == "" {
		return nil, ErrNoTable
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("dynamostore: AWS configuration: %w", err)
	}
	return New(dynamodb.NewFromConfig(cfg), table)
}

// Claim implements webhook.Store with one conditional PutItem.
func (s *Store) Claim(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, or(s.Timeout, DefaultTimeout))
	defer cancel()
	now := s.now()
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Table),
		Item: map[string]types.AttributeValue{
			attrID:      &types.AttributeValueMemberS{Value: key},
			attrExpires: number(now.Add(or(s.Window, webhook.DefaultWindow)).Unix()),
			attrLease:   number(now.Add(or(s.Lease, webhook.DefaultLease)).UnixMilli()),
		},
		ConditionExpression: aws.String("attribute_not_exists(#id) OR #expires <= :now" +
			" OR (attribute_not_exists(#reply) AND #lease <= :nowms)"),
		ExpressionAttributeNames: map[string]string{
			"#id": attrID, "#expires": attrExpires, "#lease": attrLease, "#reply": attrReply,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": number(now.Unix()), ":nowms": number(now.UnixMilli()),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var held *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil, true, nil
	case !errors.As(err, &held):
		return nil, false, fmt.Errorf("dynamostore: claim: %w", err)
	}
	item := held.Item
	if item == nil { // an emulator or an older API that does not return it
		if item, err = s.get(ctx, key); err != nil {
			return nil, false, err
		}
	}
	reply, _ := item[attrReply].(*types.AttributeValueMemberB)
	if reply == nil {
		return nil, false, nil
	}
	return reply.Value, false, nil
}

func (s *Store) get(ctx context.Context, key string) (map[string]types.AttributeValue, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamostore: reading a claim: %w", err)
	}
	return out.Item, nil
}

// Save implements webhook.Store with one UpdateItem. An item deleted in
// the meantime is written again with a fresh window.
func (s *Store) Save(ctx context.Context, key string, reply []byte) error {
	ctx, cancel := context.WithTimeout(ctx, or(s.Timeout, DefaultTimeout))
	defer cancel()
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.Table),
		Key:              map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression: aws.String("SET #reply = :reply, #expires = if_not_exists(#expires, :expires)"),
		ExpressionAttributeNames: map[string]string{
			"#reply": attrReply, "#expires": attrExpires,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":reply":   &types.AttributeValueMemberB{Value: reply},
			":expires": number(s.now().Add(or(s.Window, webhook.DefaultWindow)).Unix()),
		},
	})
	if err != nil {
		return fmt.Errorf("dynamostore: saving a reply: %w", err)
	}
	return nil
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func or(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
